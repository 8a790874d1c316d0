"""The network editor: layers and their arithmetic, parameter forms, filters, network files."""
