//! The simulated backend. STUB: being written.
