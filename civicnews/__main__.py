from civicnews.cli import main

main()
