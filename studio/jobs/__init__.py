"""Running generations off the request path: the queue backends and the worker."""
