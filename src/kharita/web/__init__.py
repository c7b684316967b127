"""The local, read-only web workbench: ``kharita serve`` (see :mod:`kharita.web.app`)."""
