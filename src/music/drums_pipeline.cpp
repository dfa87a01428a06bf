#include "music/drums_pipeline.h"

#include "music/drum_track.h"
#include "music/sequences.h"

namespace drumrnn {
namespace {

const char* quantize_error_stat(QuantizeError::Kind kind) {
  switch (kind) {
    case QuantizeError::Kind::multiple_time_signatures:
      return "sequences_discarded_because_multiple_time_signatures";
    case QuantizeError::Kind::multiple_tempos:
      return "sequences_discarded_because_multiple_tempos";
    case QuantizeError::Kind::bad_time_signature:
      return "sequences_discarded_because_bad_time_signature";
    case QuantizeError::Kind::negative_time:
      break;
  }
  return nullptr;
}

}  // namespace

DrumsPipelineResult run_drums_pipeline(const DrumConfig& config, const magenta::NoteSequence& ns,
                                       const std::string& mode) {
  DrumsPipelineResult result;
  const std::string quantizer = "DAGPipeline_Quantizer_" + mode + "_";
  const std::string extractor = "DAGPipeline_DrumsExtractor_" + mode + "_";
  const DrumExtractOptions options;  // Magenta's: min_bars 7, max_steps 512, gap_bars 1

  for (const auto& piece : split_on_time_changes(ns)) {
    magenta::NoteSequence quantized;
    try {
      quantized = quantize_note_sequence(piece, config.steps_per_quarter);
    } catch (const QuantizeError& e) {
      // Magenta does not catch NegativeTimeError (it aborts the run); a MIDI file cannot produce
      // negative times, so we count it like the other quantizer failures instead of stopping.
      const char* stat = quantize_error_stat(e.kind);
      result.stats.add(quantizer + (stat ? stat : "sequences_discarded_because_negative_time"), 1);
      continue;
    }
    DrumExtractStats es;
    std::vector<DrumTrack> tracks;
    try {
      tracks = extract_drum_tracks(quantized, options, es);
    } catch (const NonIntegerStepsPerBarError&) {
      result.stats.add(extractor + "non_integer_steps_per_bar", 1);
      continue;
    }
    result.stats.add(extractor + "drum_tracks_discarded_too_short", es.discarded_too_short);
    result.stats.add(extractor + "drum_tracks_discarded_too_long", es.discarded_too_long);
    result.stats.add(extractor + "drum_tracks_truncated", es.truncated);
    auto& hist = result.stats.histograms[extractor + "drum_track_lengths_in_bars"];
    if (hist.buckets.empty()) hist.buckets = drum_length_buckets(options.min_bars);
    for (const auto& [lo, n] : es.lengths_in_bars) hist.counts[lo] += n;

    for (const auto& track : tracks) result.examples.push_back(encode_drum_track(config, track.events));
  }
  return result;
}

}  // namespace drumrnn
