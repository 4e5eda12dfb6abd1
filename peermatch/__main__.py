from peermatch.cli.app import main

main()
