from pilotage.cli import run

run()
