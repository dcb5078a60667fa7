"""The National Procurement Strategy, declared for the strand registry (programmes/strands.py).

Not bid-based: category workstreams with programme boards of councils.
"""

from programmes.procurement import board
from programmes.strands import BoardBlock, PaperSection, StrandSpec

STRAND = StrandSpec(
    key="procurement",
    name="National Procurement Strategy",
    short_name="Procurement",
    reference_prefix="NPS",
    order=5,
    bid_based=False,
    summary=(
        "Sector-led category deep dives into construction, energy and ICT, "
        "each with a programme board of councils and public buying organisations."
    ),
    board=BoardBlock(
        fill=board.fill,
        template="procurement/board.html",
        council_fill=board.council_workstreams,
        council_template="procurement/board_council.html",
        councils=board.councils,
        served=board.served,
    ),
    paper=PaperSection(
        heading="Procurement: National Procurement Strategy", paragraphs=board.paper_paragraphs
    ),
)
