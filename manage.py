#!/usr/bin/env python
from rexian.__main__ import main

if __name__ == "__main__":
    main()
