"""Dataset exports from confirmed clips: SFEW folders, FER-2013 CSV, AFEW-style clip videos."""
