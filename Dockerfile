# One image for web, worker and beat (CPU). The GPU worker builds FROM this with CUDA torch.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY scripts/copy-vendor.mjs scripts/
RUN mkdir -p static && npm run --silent build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TUTOR_VAR_DIR=/data
WORKDIR /app
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
COPY requirements.txt ./
RUN pip install --no-cache-dir --extra-index-url "$TORCH_INDEX_URL" -r requirements.txt
COPY . .
COPY --from=assets /app/static/vendor static/vendor
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0 \
    && useradd --create-home --uid 1000 tutor && mkdir -p /data && chown tutor /data
USER tutor
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
