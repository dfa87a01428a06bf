#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs what is missing (apt-get), builds, then
#   scripts/setup.sh run [LIVE FLAGS]          starts the instrument: the shipped Groove model on the
#                                              built-in kit (JACK if a server runs, else the default
#                                              audio device; with none, renders 8 bars to drumrnn-data/)
#   scripts/setup.sh run --data MIDI_DIR [OUT] converts MIDI_DIR, builds drum_kit training/eval sets, and
#                                              writes four drum tracks with the shipped Groove model
#   scripts/setup.sh test                      runs the whole test suite (Catch2 under CTest)
# Both are idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(build-essential cmake ninja-build pkg-config git
          libprotobuf-dev protobuf-compiler libssl-dev libcli11-dev nlohmann-json3-dev catch2
          libopenblas-dev ccache
          libsndfile1-dev libsamplerate0-dev portaudio19-dev libjack-jackd2-dev jackd2 librtmidi-dev
          libpugixml-dev libreaderwriterqueue-dev hydrogen-drumkits hydrogen-data ableton-link-dev
          libimgui-dev libglfw3-dev xvfb libgl1-mesa-dri xdotool imagemagick
          libfftw3-dev liblbfgs-dev libpng-dev)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

build() {
  if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${DRUMRNN_CMAKE_ARGS:-} >&2
  fi
  cmake --build build -j "$(nproc)" >&2
}

mode="${1:-}"
case "$mode" in
  run)
    shift
    install_missing
    build
    if [ "${1:-}" != "--data" ]; then
      exec ./build/drumrnn live "$@"
    fi
    [ $# -ge 2 ] || { echo "usage: scripts/setup.sh run --data MIDI_DIR [OUT_DIR]" >&2; exit 2; }
    out="${3:-drumrnn-data}"
    ./build/drumrnn convert --input_dir "$2" --output_file "$out/notes.tfrecord" --recursive
    ./build/drumrnn create-dataset --config drum_kit --input "$out/notes.tfrecord" --output_dir "$out/drum_kit" \
      --eval_ratio 0.10
    ./build/drumrnn generate --output_dir "$out/generated" --num_outputs 4 --num_steps 64 \
      --primer_drums "[(36,42),(),(42,),(),(38,42),(),(42,),()]"
    ;;
  test)
    install_missing
    build
    ctest --test-dir build --output-on-failure -j "$(nproc)"
    ;;
  *)
    echo "usage: scripts/setup.sh run [LIVE FLAGS] | scripts/setup.sh run --data MIDI_DIR [OUT_DIR] | scripts/setup.sh test" >&2
    exit 2
    ;;
esac
