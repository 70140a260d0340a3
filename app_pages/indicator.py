"""Placeholder until this page lands."""
import streamlit as st

from ui import tr

st.title(tr("common.nav.indicator"))
