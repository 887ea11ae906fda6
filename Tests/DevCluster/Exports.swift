// Every test that uses the dev cluster also runs commands: one import gives both.
@_exported import TestSupport
