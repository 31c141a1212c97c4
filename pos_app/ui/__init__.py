"""The Qt user interface: cashier window, customer display, dialogs. Only this package imports
Qt widgets; it talks to the services in ``pos_app`` and never does network or serial I/O."""
