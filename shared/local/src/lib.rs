//! Local backend: embedded SQLite stores, filesystem assets, queue and distributor.
