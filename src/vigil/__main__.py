from vigil.cli.main import run

run()
