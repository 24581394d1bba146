from openskies.cli import main

main()
