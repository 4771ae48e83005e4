"""Child processes: spawning, watching for exit, and the pipes to and from them."""
