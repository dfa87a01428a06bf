// One entry per subcommand: each cmd_*.cpp adds its options to the parser and returns how to run it.
#pragma once
#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace drumrnn {

struct Command {
  CLI::App* parser;
  std::function<int()> run;  // returns the exit status
};

Command add_convert_command(CLI::App& app);
Command add_create_dataset_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_generate_command(CLI::App& app);
Command add_evaluate_command(CLI::App& app);
Command add_export_model_command(CLI::App& app);
Command add_import_magenta_command(CLI::App& app);
Command add_export_magenta_command(CLI::App& app);
Command add_live_command(CLI::App& app);
Command add_render_command(CLI::App& app);
Command add_devices_command(CLI::App& app);
Command add_style_command(CLI::App& app);

}  // namespace drumrnn
