# The wizard as a container image, for compose.yaml and for a team's own orchestration.
# The image holds code and rules only: assessments live in the database (ATMP_DATABASE_URL)
# and the login configuration is mounted as /app/.streamlit/secrets.toml at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY app.py pyproject.toml ./
COPY .streamlit/config.toml .streamlit/config.toml
COPY atmp_pathways atmp_pathways
COPY ui ui
COPY rules rules

# An unprivileged user; its home holds the SQLite default if no ATMP_DATABASE_URL is given.
RUN useradd --create-home --uid 10001 atmp
USER atmp

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
