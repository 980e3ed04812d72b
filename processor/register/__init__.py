"""The register: an SQLite file that remembers runs, files, results and recognitions."""
