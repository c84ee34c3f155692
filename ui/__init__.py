"""Streamlit rendering for ATMP Pathways. Every decision comes from ``atmp_pathways``."""
