//! TODO: stage under construction.
