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
