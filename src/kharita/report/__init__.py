"""The analyst's brief: sections, charts, the offline HTML file and the demo.

Public entry points: :func:`kharita.report.brief.build_brief`,
:func:`kharita.report.brief.write_brief`, :func:`kharita.report.demo.run_demo`.
"""
