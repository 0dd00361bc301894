#!/usr/bin/env python
from microloan.cli import main

if __name__ == "__main__":
    main()
