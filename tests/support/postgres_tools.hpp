#pragma once
// Process and file tools for PostgresServer (private to tests/support): free ports, /proc,
// spawning with every other descriptor closed, copying a tree with its modes, the template's
// manifest and name.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace switchyard::test::pgtools {

using Millis = std::chrono::milliseconds;

// A free port (bind to port 0), or with `probe`: 1 if something accepts on `port`.
std::uint16_t loopback(std::uint16_t port, bool probe);

// The newest /usr/lib/postgresql/<major>/bin holding initdb, else /usr/local/bin; "" if none.
std::string findBinDir();

std::string randomHex(std::size_t n);

// State and parent of a process from /proc/<pid>/stat; state 0 when it is gone.
std::pair<char, pid_t> procStat(pid_t pid);

// A zombie counts as dead: the postmaster is our child, reaped only once it is seen dead; its
// children are init's after it dies, which may reap late (or never).
bool alive(pid_t pid);

// Waits (bounded) until `pid` is dead (a zombie counts as dead): a stopped postmaster removes
// postmaster.pid a moment before it exits.
bool waitDead(pid_t pid, Millis timeout);

// The live children of `parent` (each postgres child calls setsid(): no process group has them).
std::vector<pid_t> childrenOf(pid_t parent);

// posix_spawn with cwd `dir`, stdin from `stdin_fd` (-1: /dev/null), stdout/stderr to files
// ("" : /dev/null; truncated, or appended to with `append`; the same file: one description),
// every other descriptor closed, default signal dispositions, `env` ("K=V") replacing or adding
// to the inherited environment, optionally in a process group of its own.
pid_t spawnIn(const std::vector<std::string>& args, const std::vector<std::string>& env,
              const std::string& dir, int stdin_fd, const std::string& out_path,
              const std::string& err_path, bool own_group, std::string& error,
              bool append = false);

std::string quoteIdent(const std::string& name);

// Reaps `pid` if it is a dead child of ours (the postmaster, once killed or stopped).
void reapIfDead(pid_t pid);

// Whether our child `pid` has exited (reaping it), or, when it is no child of ours, is gone.
bool exited(pid_t pid);

// A new file (never an existing one, nor through a symlink) holding `text`, with `mode`, flushed
// to disk with `durable`.
bool createFile(const std::string& path, const std::string& text, mode_t mode, bool durable);

void fsyncDir(const std::string& path);

// Copies the tree `src` (directories and regular files only; anything else is an error) to
// `dst`, which must not exist yet: modes kept, owned by `uid`:`gid` when `give` (root copying
// for the server user). In this process, with sendfile(): a fifth of cp -a's time on tmpfs.
bool copyTree(const std::string& src, const std::string& dst, bool give, uid_t uid, gid_t gid,
              std::string& error);

// Where the servers' own directories go: /dev/shm (tmpfs) when it has 1 GiB free, as creating
// files there costs a fraction of what it does on disk (a copy of the template's ~1,300 files:
// 0.3-0.8 s on the CI VM's ext4 /tmp, 0.05 s on /dev/shm); else /tmp (e.g. Docker's 64 MB
// /dev/shm). A server holds ~50 MB.
std::string serverTempBase();

// What a template's data directory holds: written last when the template is made, compared
// before each use (a half-deleted or half-built template shows as a mismatch).
std::string manifestOf(const std::string& dir);

// 64-bit FNV-1a: a stable hash for the template's name (std::hash is not meant to be stable).
std::string fnv1aHex(const std::string& text);

// initdb's options; a change here makes a new template (the options are part of its name).
const std::vector<std::string>& initdbOptions();

inline constexpr const char* kTemplateFormat = "sy-pg-template 1; CREATE DATABASE switchyard";

}  // namespace switchyard::test::pgtools
