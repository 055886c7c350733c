//! weft side by side with raw sqlx, SeaORM 2 and Diesel 2 on the workloads of issue 4: the
//! summary program and the criterion benchmark run these.

pub mod cases;
pub mod check;
pub mod data;
pub mod diesel_impl;
pub mod env;
pub mod harness;
pub mod report;
pub mod seaorm_impl;
pub mod sqlx_impl;
pub mod w8;
pub mod weft_impl;

/// Pins this process (and the threads it starts later: tokio's workers, sqlx's SQLite worker)
/// to the last CPU, leaving the others to the database servers. On a small machine this makes
/// timings repeatable: without it, thread wake-ups across idle cores add tens of microseconds at
/// random. Returns the CPU, or `None` when there is only one or pinning failed.
pub fn pin_to_last_cpu() -> Option<usize> {
    let cpus = std::thread::available_parallelism().ok()?.get();
    if cpus < 2 {
        return None;
    }
    let cpu = cpus - 1;
    // SAFETY: `set` is a zeroed, properly sized cpu_set_t that the kernel only reads.
    let ok = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    };
    ok.then_some(cpu)
}

/// The database servers' processes (PostgreSQL's, MariaDB's) pinned to the CPUs this process
/// does not use, for as long as the guard lives; dropping it gives them back every CPU they had.
///
/// Pinned to one CPU, the benchmark shares it with nothing but itself; the server backends
/// forked (PostgreSQL) or threads started (MariaDB) during the run inherit the pin. Without it
/// the scheduler at times runs a server backend on the benchmark's CPU, and a run's timings
/// then move by several per cent from one run to the next.
pub struct ServersPinned {
    /// Each server process and the mask its first thread had.
    pids: Vec<(i32, libc::cpu_set_t)>,
    /// The CPUs the servers were pinned to.
    pub cpus: Vec<usize>,
}

/// Process names of the servers the benchmark talks to.
const SERVER_NAMES: &[&str] = &["postgres", "mariadbd", "mysqld"];

/// Pins every thread of the servers' processes to every CPU but `bench_cpu`. `None` when no
/// server process is found or the system refuses (the benchmark then runs without).
pub fn pin_servers(bench_cpu: usize) -> Option<ServersPinned> {
    let cpus = std::thread::available_parallelism().ok()?.get();
    let others: Vec<usize> = (0..cpus.max(bench_cpu + 1))
        .filter(|&c| c != bench_cpu)
        .collect();
    if others.is_empty() {
        return None;
    }
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET writes inside it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in &others {
        // SAFETY: `c` is below the machine's CPU count, far below CPU_SETSIZE.
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    let mut pids = Vec::new();
    for pid in server_pids() {
        let Some(before) = affinity(pid) else {
            continue;
        };
        if set_threads(pid, &set) {
            pids.push((pid, before));
        }
    }
    if pids.is_empty() {
        return None;
    }
    Some(ServersPinned { pids, cpus: others })
}

impl Drop for ServersPinned {
    fn drop(&mut self) {
        for (pid, before) in &self.pids {
            set_threads(*pid, before);
        }
    }
}

/// Processes whose name is one of [`SERVER_NAMES`].
fn server_pids() -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|name| SERVER_NAMES.contains(&name.trim()))
        })
        .collect()
}

/// The CPU mask of thread `tid`.
fn affinity(tid: i32) -> Option<libc::cpu_set_t> {
    // SAFETY: the kernel writes at most `size_of::<cpu_set_t>()` bytes into `set`.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        (libc::sched_getaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0)
            .then_some(set)
    }
}

/// Sets the CPU mask of every thread of process `pid`; whether any was set.
fn set_threads(pid: i32, set: &libc::cpu_set_t) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    let mut any = false;
    for tid in tasks.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
        // SAFETY: `set` is a valid cpu_set_t that the kernel only reads.
        any |= unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), set) }
            == 0;
    }
    any
}
