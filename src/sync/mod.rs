pub mod changes;
