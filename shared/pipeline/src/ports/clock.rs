use chrono::{DateTime, Utc};
use ulid::Ulid;

/// Time and fresh ids, injected so tests are deterministic.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    fn new_ulid(&self) -> Ulid;
}

/// The wall clock and random ULIDs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn new_ulid(&self) -> Ulid {
        Ulid::new()
    }
}
