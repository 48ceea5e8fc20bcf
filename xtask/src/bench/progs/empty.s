# The empty program: what a test run costs with nothing to run. Every
# engine's time for it is subtracted from its time for the others.
        r0 = 0
        exit
