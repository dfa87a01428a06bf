// Marks functions that run on the audio or MIDI-clock thread. Inside them: no allocation, lock, log,
// file I/O or wait on another thread (tests/test_rt_alloc.cpp arms an allocation counter around them).
#pragma once

#define DRUMRNN_RT

namespace drumrnn::rt {

// The nine drum_kit classes in Magenta's order (music/drum_encoding.h kDrumKitClassPitch).
constexpr int kDrumClasses = 9;
constexpr const char* kDrumClassNames[kDrumClasses] = {"kick",     "snare",    "closed hat", "open hat", "low tom",
                                                      "mid tom",  "high tom", "crash",      "ride"};

}  // namespace drumrnn::rt
