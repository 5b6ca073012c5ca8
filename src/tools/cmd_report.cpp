// `kvzip report results.jsonl... -o DIR`: the Markdown table and the plots of
// `kvzip eval` results. The drawing is matplotlib's job, so this runs
// scripts/report.py with the project's Python environment (.venv, made by
// scripts/setup_report_env.sh) or the given interpreter.
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <vector>

#include "tools/commands.h"
#include "tools/options.h"

extern char** environ;

namespace kvzip::cli {

namespace {

struct ReportArgs {
    std::vector<std::string> inputs;
    std::string out_dir;
    std::string python;
};

std::string default_python() {
    namespace fs = std::filesystem;
    const fs::path venv = fs::path(KVZIP_SOURCE_DIR) / ".venv" / "bin" / "python";
    return fs::exists(venv) ? venv.string() : "python3";
}

}  // namespace

Runner add_report(CLI::App& app) {
    auto a = std::make_shared<ReportArgs>();
    app.add_option("results", a->inputs, "kvzip eval results (.jsonl)")->required()->check(CLI::ExistingFile);
    app.add_option("-o,--output-dir", a->out_dir, "folder for report.md, summary.csv and the plots")->required();
    app.add_option("--python", a->python, "Python with matplotlib (default: the project's .venv, else python3)");
    return [a] {
        const std::string script = (std::filesystem::path(KVZIP_SOURCE_DIR) / "scripts" / "report.py").string();
        if (!std::filesystem::exists(script)) throw Error(script + ": the report script is missing");
        const std::string python = a->python.empty() ? default_python() : a->python;
        std::vector<std::string> args = {python, script, "-o", a->out_dir};
        args.insert(args.end(), a->inputs.begin(), a->inputs.end());
        std::vector<char*> argv;
        for (std::string& s : args) argv.push_back(s.data());
        argv.push_back(nullptr);
        pid_t pid = 0;
        if (posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
            throw Error(python + ": cannot run the report's Python (set one up with scripts/setup_report_env.sh, "
                                 "or pass --python)");
        int status = 0;
        if (waitpid(pid, &status, 0) < 0) throw Error("waiting for the report script failed");
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    };
}

}  // namespace kvzip::cli
