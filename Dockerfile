# Pose Studio: the web app (and, with another command, the worker) in one image.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    STUDIO_DATA_DIR=/data \
    HF_HOME=/data/hf-cache

RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

# UID 1000: what Hugging Face Spaces run as, and a non-root user everywhere else.
RUN useradd --create-home --uid 1000 studio && mkdir -p /data && chown studio:studio /data

WORKDIR /app
COPY --chown=studio:studio requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=studio:studio . .

USER studio
VOLUME ["/data"]
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:7860/healthz', timeout=4).status == 200 else 1)"

CMD ["python", "app.py"]
