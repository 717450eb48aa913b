"""Knowledge bases of known claims (fact-checked claims, catalogued disinformation narratives):
reading them from their published formats, storing them, and finding the ones an article
repeats."""
