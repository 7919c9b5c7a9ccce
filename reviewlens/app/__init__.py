"""The commands, on top of everything: the command line (parser.py declares it, cli.py runs it), the
jobs it runs (jobs.py: scrape, analyze, top complaints, report, and the whole job), the scheduler
(scheduler.py) and the bundled demo shop's web server (demo_shop.py).

Only this package imports the stages (scraper, analysis, dashboard); the core below it (reviewlens.*)
imports none of them, and the stages meet only through the store.
"""
