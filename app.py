"""ATMP Pathways: the Streamlit wizard. Run with ``streamlit run app.py``.

``ATMP_RULES_DIR`` points at another rules directory (tests use ``tests/fixtures/toy_rules``).
The app lives in ``ui/main.py``: Streamlit re-reads this script on every rerun, so it stays tiny.
"""

from ui.main import main

main()
