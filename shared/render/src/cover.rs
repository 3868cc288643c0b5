//! Cover art (placeholder).
