"""Console pages, one module per area of work. Views parse input, call one selector or service, render."""
