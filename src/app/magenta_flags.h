// What Magenta's five programs accept beyond their own flags, so that their documented command lines
// run unchanged: absl's --flagfile, --noFLAG and -FLAG spellings, absl's built-in flags (accepted
// or refused with a reason), and the --log threshold every Magenta program has.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace drumrnn {

// Magenta's --log: tf.logging.set_verbosity's names. Ordered: a level shows itself and above.
enum class LogLevel { debug, info, warn, error, fatal };

// Adds Magenta's --log=DEBUG|INFO|WARN|ERROR|FATAL (WARNING and CRITICAL too, any case) to `sub`.
CLI::Option* add_log_flag(CLI::App* sub, LogLevel& level);
// The same flag, checked but not kept: for a command whose output does not follow it yet (train).
CLI::Option* add_log_flag(CLI::App* sub);

// --generator_id / --generator_description (drums_rnn_config_flags): they only name a .mag bundle.
// A command that writes none accepts them with no effect; generate (--save_generator_bundle) keeps
// them in `id` and `description`.
void add_generator_detail_flags(CLI::App* sub);
void add_generator_detail_flags(CLI::App* sub, std::string& id, std::string& description);

// A command line that cannot be made into drumrnn's; the message is one line naming the flag.
struct MagentaFlagError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// argv[1..] rewritten for CLI11 with absl's meaning: --flagfile=FILE (and --flagfile FILE) replaced by
// the file's flags, one per line (# and // comments, nested flagfiles), --noNAME -> --NAME=false for
// a flag NAME of the chosen subcommand, -NAME -> --NAME for its long options, --helpfull and
// --helpshort -> --help. absl's other built-in flags are accepted where drumrnn already does what
// they ask (--logtostderr, --alsologtostderr) and refused with MagentaFlagError otherwise.
std::vector<std::string> magenta_args(int argc, const char* const* argv, const CLI::App& app);

}  // namespace drumrnn
