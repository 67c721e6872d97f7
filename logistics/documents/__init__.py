"""Printed documents: the packing list that travels in the box, and the PDF blocks such documents share."""
