"""Sicca: Sjögren's disease activity scores and classification criteria from declarative rules.

The installed package is ``sicca``; in the repository its layers are folders of engine/ (this
package), with the instruments in scores/ (``sicca.scores``) and the clinical rules in rules/
(``sicca.rules``, package data). docs/design.md gives the import order between the layers.
"""

__version__ = "0.2.0"
