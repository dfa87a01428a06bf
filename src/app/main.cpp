// drumrnn: one program, one subcommand per job. Errors end as one line on stderr and a non-zero exit.
#include <cstdio>
#include <exception>

#include "app/commands.h"
#include "app/build_info.h"
#include "app/magenta_flags.h"

int main(int argc, char** argv) {
  using namespace drumrnn;
  CLI::App app{"drumrnn: a Magenta-compatible drum RNN and live drum instrument"};
  app.set_version_flag("--version", build_info());
  std::vector<Command> commands = {
      add_convert_command(app),
      add_create_dataset_command(app),
      add_train_command(app),
      add_evaluate_command(app),
      add_generate_command(app),
      add_export_model_command(app),
      add_import_magenta_command(app),
      add_export_magenta_command(app),
      add_live_command(app),
      add_render_command(app),
      add_devices_command(app),
      add_style_command(app),
  };
  try {
    // Magenta's command lines, absl spellings and all (--flagfile, --noFLAG), become CLI11's.
    const std::vector<std::string> args = magenta_args(argc, argv, app);
    std::vector<const char*> cargs{argv[0]};
    for (const auto& a : args) cargs.push_back(a.c_str());
    app.parse(int(cargs.size()), cargs.data());
  } catch (const MagentaFlagError& e) {
    std::fprintf(stderr, "drumrnn: error: %s\n", e.what());
    return 2;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line, like every other drumrnn error.
    std::fprintf(stderr, "drumrnn: error: %s (see drumrnn --help)\n", e.what());
    return e.get_exit_code();
  }
  for (auto& c : commands) {
    if (!c.parser->parsed()) continue;
    try {
      return c.run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "drumrnn %s: error: %s\n", c.parser->get_name().c_str(), e.what());
      return 1;
    }
  }
  std::printf("usage: drumrnn <command> [options]   (drumrnn <command> --help for details)\n\n");
  for (auto& c : commands) std::printf("  %-16s %s\n", c.parser->get_name().c_str(), c.parser->get_description().c_str());
  return 0;
}
