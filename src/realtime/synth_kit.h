// A drum kit synthesized from scratch, so the engine makes sound with no files installed and a
// Hydrogen kit can fill the classes it lacks. Rendered once (off the audio thread) into KitLayer buffers.
#pragma once
#include "realtime/kit.h"

namespace drumrnn::rt {

// All nine drum_kit classes, one layer each (the sampler scales it by velocity), names "synth kick"
// and so on. Deterministic: the noise comes from a fixed seed, so two calls give identical buffers.
Kit make_synth_kit(int sample_rate);

// One class of the synthesized kit (0..kDrumClasses-1), for a Hydrogen kit's missing classes.
KitVoice make_synth_voice(int drum_class, int sample_rate);

}  // namespace drumrnn::rt
