from tubenotes.cli import main

main()
