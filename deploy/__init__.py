"""Starting the dashboard as a service: ``python -m deploy.serve`` (the container's command and
``deploy/run-stack.sh``'s), ``compose.yaml`` and ``Dockerfile`` beside the repository root."""
