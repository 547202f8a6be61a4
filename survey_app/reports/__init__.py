"""PDF assessment reports: content, rendering, jobs."""
