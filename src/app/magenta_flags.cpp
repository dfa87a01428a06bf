#include "app/magenta_flags.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

namespace drumrnn {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

LogLevel parse_log_level(const std::string& text) {
  static const std::map<std::string, LogLevel> names = {
      {"DEBUG", LogLevel::debug}, {"INFO", LogLevel::info},   {"WARN", LogLevel::warn},   {"WARNING", LogLevel::warn},
      {"ERROR", LogLevel::error}, {"FATAL", LogLevel::fatal}, {"CRITICAL", LogLevel::fatal}};
  const auto it = names.find(upper(text));
  if (it == names.end())
    throw CLI::ValidationError("--log", "'" + text + "' is not a level: use DEBUG, INFO, WARN, ERROR or FATAL");
  return it->second;
}

// absl's own flags (absl.app, absl.logging) that drumrnn does not take, and why.
const char* refused_absl_flag(const std::string& name) {
  static const std::map<std::string, const char*> why = {
      {"undefok", "drumrnn refuses every unknown flag"},
      {"helpxml", "drumrnn has no XML help; use --help"},
      {"only_check_args", "drumrnn has no check-only mode"},
      {"pdb", "it debugs Python, and drumrnn is not Python"},
      {"pdb_post_mortem", "it debugs Python, and drumrnn is not Python"},
      {"run_with_pdb", "it debugs Python, and drumrnn is not Python"},
      {"run_with_profiling", "it profiles Python, and drumrnn is not Python"},
      {"profile_file", "it profiles Python, and drumrnn is not Python"},
      {"use_cprofile_for_profiling", "it profiles Python, and drumrnn is not Python"},
      {"log_dir", "drumrnn logs only to stderr; filter with --log"},
      {"verbosity", "drumrnn's threshold is --log=DEBUG|INFO|WARN|ERROR|FATAL"},
      {"v", "drumrnn's threshold is --log=DEBUG|INFO|WARN|ERROR|FATAL"},
      {"stderrthreshold", "drumrnn's threshold is --log=DEBUG|INFO|WARN|ERROR|FATAL"},
      {"logger_levels", "drumrnn's threshold is --log=DEBUG|INFO|WARN|ERROR|FATAL"},
      {"showprefixforinfo", "drumrnn prints no log prefixes"},
  };
  const auto it = why.find(name);
  return it == why.end() ? nullptr : it->second;
}

// "--name=value" / "-name" -> "name" (empty when `arg` is not a flag).
std::string flag_name(const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-' || arg == "--") return "";
  const size_t from = arg[1] == '-' ? 2 : 1;
  return arg.substr(from, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - from);
}

void read_flagfile(const std::string& path, int depth, std::vector<std::string>& out);

// Appends `arg` to `out`, expanding --flagfile; `next` supplies the value of "--flagfile FILE".
template <typename Next>
void expand(const std::string& arg, Next next, int depth, std::vector<std::string>& out) {
  const std::string name = flag_name(arg);
  if (name != "flagfile") {
    out.push_back(arg);
    return;
  }
  const size_t eq = arg.find('=');
  const std::string path = eq != std::string::npos ? arg.substr(eq + 1) : next();
  if (path.empty()) throw MagentaFlagError("--flagfile needs a file name");
  read_flagfile(path, depth + 1, out);
}

void read_flagfile(const std::string& path, int depth, std::vector<std::string>& out) {
  if (depth > 10) throw MagentaFlagError("--flagfile=" + path + ": flagfiles nested more than 10 deep");
  std::ifstream in(path);
  if (!in) throw MagentaFlagError("--flagfile=" + path + ": cannot read it");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    const size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    line = line.substr(a, line.find_last_not_of(" \t\r") - a + 1);
    if (line[0] == '#' || line.starts_with("//")) continue;
    lines.push_back(line);
  }
  for (size_t i = 0; i < lines.size(); ++i)
    expand(lines[i], [&]() -> std::string { return i + 1 < lines.size() ? lines[++i] : ""; }, depth, out);
}

}  // namespace

CLI::Option* add_log_flag(CLI::App* sub, LogLevel& level) {
  return sub->add_option_function<std::string>(
      "--log", [&level](const std::string& s) { level = parse_log_level(s); },
      "threshold of what is shown: DEBUG, INFO (default), WARN, ERROR or FATAL");
}

CLI::Option* add_log_flag(CLI::App* sub) {
  return sub->add_option_function<std::string>(
      "--log", [](const std::string& s) { (void)parse_log_level(s); },
      "DEBUG, INFO, WARN, ERROR or FATAL (checked; this command does not filter its output by it yet)");
}

void add_generator_detail_flags(CLI::App* sub) {
  const auto ignore = [](const std::string&) {};
  sub->add_option_function<std::string>("--generator_id", ignore, "Magenta's bundle id; no effect here")
      ->group("Magenta bundle flags");
  sub->add_option_function<std::string>("--generator_description", ignore, "Magenta's bundle text; no effect here")
      ->group("Magenta bundle flags");
}

void add_generator_detail_flags(CLI::App* sub, std::string& id, std::string& description) {
  sub->add_option("--generator_id", id, "the id a saved bundle gets (--save_generator_bundle); must be the model's config")
      ->group("Magenta bundle flags");
  sub->add_option("--generator_description", description, "the generator text a saved bundle gets (default: Magenta's)")
      ->group("Magenta bundle flags");
}

std::vector<std::string> magenta_args(int argc, const char* const* argv, const CLI::App& app) {
  std::vector<std::string> expanded;
  for (int i = 1; i < argc; ++i)
    expand(argv[i], [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; }, 0, expanded);

  std::vector<std::string> out;
  const CLI::App* sub = nullptr;  // the subcommand named so far
  for (const std::string& arg : expanded) {
    if (!sub && !arg.starts_with("-")) {
      for (const CLI::App* s : app.get_subcommands({}))
        if (s->get_name() == arg) sub = s;
      out.push_back(arg);
      continue;
    }
    const std::string name = flag_name(arg);
    if (name.empty()) {
      out.push_back(arg);
      continue;
    }
    if (name == "helpfull" || name == "helpshort") {
      out.push_back("--help");
      continue;
    }
    if (name == "logtostderr" || name == "alsologtostderr") continue;  // drumrnn logs to stderr anyway
    if (const char* why = refused_absl_flag(name)) {
      if (!sub || !sub->get_option_no_throw("--" + name))
        throw MagentaFlagError("--" + name + " is one of absl's own flags, not drumrnn's: " + why);
    }
    if (sub && arg[1] != '-' && name.size() > 1 && sub->get_option_no_throw("--" + name)) {
      out.push_back("-" + arg);  // absl's -name=value
      continue;
    }
    if (sub && name.starts_with("no") && arg.find('=') == std::string::npos && !sub->get_option_no_throw("--" + name)) {
      const CLI::Option* flag = sub->get_option_no_throw("--" + name.substr(2));
      if (flag && flag->get_expected_max() == 0) {
        out.push_back("--" + name.substr(2) + "=false");  // absl's --noNAME
        continue;
      }
    }
    out.push_back(arg);
  }
  return out;
}

}  // namespace drumrnn
