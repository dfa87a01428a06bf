// Magenta's drums_rnn pipeline for one NoteSequence of one mode ("training" or "eval"):
// TimeChangeSplitter -> Quantizer -> DrumsExtractor(7, 512, 1) -> EncoderPipeline (facts §3).
#pragma once
#include <string>
#include <vector>

#include "music.pb.h"
#include "music/drum_encoding.h"
#include "music/pipeline_stats.h"

namespace drumrnn {

struct DrumsPipelineResult {
  std::vector<EncodedSequence> examples;
  PipelineStats stats;  // names carry Magenta's DAGPipeline_<Stage>_<mode>_ prefixes
};

DrumsPipelineResult run_drums_pipeline(const DrumConfig& config, const magenta::NoteSequence& ns,
                                       const std::string& mode);

}  // namespace drumrnn
