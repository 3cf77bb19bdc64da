"""The command line (click): parse options, call the library, print Vietnamese text. It sits on top of
every other package and nothing imports it."""
