from civicnews.cli import main

# Guarded: the store's writer process (spawned) imports the parent's main module.
if __name__ == "__main__":
    main()
