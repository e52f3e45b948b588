import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended.
public enum Termination: Equatable, Sendable {
    case exited(Int32)
    case signaled(Int32)
}

/// The process groups of the children running now. Each child has a group of its own (so a timeout
/// kills all it started), which also keeps a terminal's Ctrl-C from reaching it: when segbook is
/// interrupted or terminated, `killOnInterrupt` kills these groups first, so no chapter program
/// outlives the build that started it.
public enum LiveGroups {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var groups: Set<pid_t> = []
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func add(_ pid: pid_t) { lock.withLock { _ = groups.insert(pid) } }
    static func remove(_ pid: pid_t) { lock.withLock { _ = groups.remove(pid) } }

    /// On SIGINT, SIGTERM or SIGHUP: kill every live child group (and run `also`), then die of the
    /// same signal.
    public static func killOnInterrupt(also: @escaping @Sendable () -> Void = {}) {
        lock.withLock {
            guard sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    for pid in lock.withLock({ groups }) { kill(-pid, SIGKILL) }
                    also()
                    // Dispatch's threads block signals: send it to the process, whose main thread takes it.
                    signal(sig, SIG_DFL)
                    kill(getpid(), sig)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}

/// A child process with stdout and stderr on one pipe (so their order is kept), stdin from /dev/null,
/// in its own process group (a timeout kills everything it started).
enum ChildProcess {
    /// Serializes pipe creation and spawning, so no child inherits another child's pipe.
    private static let spawnLock = NSLock()

    /// Runs to the end and returns everything it wrote.
    static func capture(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                        timeout: Double = 600) -> (status: Termination, output: String, timedOut: Bool) {
        var bytes: [UInt8] = []
        let deadline = Date().timeIntervalSince1970 + timeout
        let (status, timedOut) = run(path, arguments, environment: environment,
                                     onOutput: { bytes.append(contentsOf: $0) }, deadline: { deadline })
        return (status, String(decoding: bytes, as: UTF8.self), timedOut)
    }

    /// Runs `path`, handing each chunk of output to `onOutput`. `deadline` (seconds since 1970) is asked
    /// again after every chunk and every 100 ms: once it has passed, the process group is killed.
    static func run(_ path: String, _ arguments: [String], environment: [String: String],
                    onOutput: ([UInt8]) -> Void, deadline: () -> Double?) -> (Termination, timedOut: Bool) {
        var fds: [Int32] = [-1, -1]
        var pid: pid_t = 0
        spawnLock.lock()
        guard pipe(&fds) == 0 else { spawnLock.unlock(); return (.exited(127), false) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }

        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        close(fds[1])
        if spawned == 0 { LiveGroups.add(pid) }
        spawnLock.unlock()
        defer { if spawned == 0 { LiveGroups.remove(pid) } }
        guard spawned == 0 else {
            close(fds[0])
            onOutput(Array("cannot run \(path): \(String(cString: strerror(spawned)))\n".utf8))
            return (.exited(127), false)
        }

        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var watch = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        var killedAt: Double?
        while true {
            let now = Date().timeIntervalSince1970
            if killedAt == nil, let limit = deadline(), now >= limit {
                timedOut = true
                kill(-pid, SIGKILL)
                killedAt = now
            }
            if let killedAt, now - killedAt > 5 { break }  // something outside the group holds the pipe
            let ready = poll(&watch, 1, 100)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; break }
            if n == 0 { break }
            onOutput(Array(buffer[0..<n]))
        }
        close(fds[0])

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        if signal == 0 { return (.exited((status >> 8) & 0xff), timedOut) }
        return (.signaled(signal), timedOut)
    }

    /// `SIGKILL`, `SIGSEGV`… for a signal number.
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
            SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}
