"""shoptet-catalog: catalog-as-code reconciler for Shoptet e-shops."""

__version__ = "0.1.0"
