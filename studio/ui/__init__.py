"""The Gradio Blocks app: one module per tab; handlers call services and nothing else."""
