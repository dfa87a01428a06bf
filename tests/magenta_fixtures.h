// The committed Magenta fixtures (tests/fixtures/magenta, made by make_magenta_fixture.sh): one place
// for their paths, shared by the Magenta import, export, generate, panel and JACK tests.
#pragma once
#include <filesystem>
#include <string>

namespace drumrnn::test::magenta {

inline const std::filesystem::path kFixtures = std::filesystem::path(DRUMRNN_SOURCE_DIR) / "tests/fixtures/magenta";
// drum_kit [8,8], no attention: Magenta's run (TF checkpoint at step 100) and the bundle it wrote.
inline const std::string kRunDir = (kFixtures / "drum_kit_noattn").string();
inline const std::string kPrefix = (kFixtures / "drum_kit_noattn/train/model.ckpt-100").string();
inline const std::string kBundle = (kFixtures / "drum_kit_noattn.mag").string();
// one_drum [8,8] with attention (attn_length=4, no .meta beside it): Magenta's run and drumrnn's import of it.
inline const std::string kAttnRunDir = (kFixtures / "one_drum_attn").string();
inline const std::string kOneDrumModel = (kFixtures / "drumrnn_one_drum_attn.safetensors").string();

}  // namespace drumrnn::test::magenta
